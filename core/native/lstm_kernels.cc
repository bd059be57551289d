// Keras's LSTM layer as two TensorFlow ops, compiled for the machine that runs them.
//
// TensorFlow's pip build compiles its own Eigen code for plain AVX (oneDNN, dispatched at run
// time, serves only its "performance-critical" ops such as MatMul), and an LSTM stepped
// through TensorFlow's ops runs a dozen small ops a step. These kernels run the whole layer,
// input projection and all steps, in one op forward and one backward, with Eigen's products
// and vectorised sigmoid and tanh built for this CPU (-march=native). The batch is split over
// the intra-op threads, one contiguous block of rows each: rows never mix in an LSTM, so each
// thread runs the whole recurrence for its rows without waiting for the others.
//
// Tensors are batch-major, as Keras's layers take and give them.
// SeqlabLstmForward(inputs, kernel, recurrent_kernel, bias) -> (hidden, cells, gates)
//   inputs: (batch, time, features); kernel W: (features, 4 * units); recurrent_kernel U:
//   (units, 4 * units); bias b: (4 * units); gate order i, f, c, o
//   hidden, cells: h_t and c_t of every step, (batch, time, units), from zero states
//   gates: the activated gates i, f, candidate, o of every step, (batch, time, 4 * units)
// SeqlabLstmBackward(d_hidden, inputs, kernel, recurrent_kernel, hidden, cells, gates)
//     -> (d_gates, d_kernel, d_recurrent_kernel, d_bias)
//   d_hidden: the loss's gradient for every h_t, (batch, time, units), or for the last one
//   only, (batch, units)
//   d_gates: the gradient for every step's pre-activations z_t = x_t W + h_{t-1} U + b,
//   (batch, time, 4 * units), from which the caller forms the inputs' gradient d_gates W^T
//   (as a TensorFlow product, which a graph leaves out where nothing needs it)
// The maths is Keras's LSTM with its defaults; core/models/lstm_recurrence.py steps the same
// in TensorFlow's ops where this library is not built.

#define EIGEN_USE_THREADS

#include <algorithm>
#include <cstdint>
#include <vector>

#include "Eigen/Core"
#include "absl/synchronization/blocking_counter.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"

namespace {

using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::Status;
using tensorflow::Tensor;
using tensorflow::TensorShape;
using tensorflow::errors::InvalidArgument;

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Row = Eigen::Matrix<float, 1, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<Matrix>;
using ConstMatrixMap = Eigen::Map<const Matrix>;
// One step of a block of rows in a batch-major (batch, time, width) tensor: consecutive
// rows lie time * width floats apart.
using StepMap = Eigen::Map<Matrix, 0, Eigen::OuterStride<>>;
using ConstStepMap = Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>;

// The layer's sizes, read from its tensors.
struct Sizes {
  int64_t batch, time, features, units, width;  // width: 4 * units
};

// Step t of rows [first, first + rows) of a (batch, time, columns) tensor's data.
StepMap Step(float* data, const Sizes& s, int64_t first, int64_t rows, int64_t t,
             int64_t columns) {
  return StepMap(data + (first * s.time + t) * columns, rows, columns,
                 Eigen::OuterStride<>(s.time * columns));
}

ConstStepMap Step(const float* data, const Sizes& s, int64_t first, int64_t rows, int64_t t,
                  int64_t columns) {
  return ConstStepMap(data + (first * s.time + t) * columns, rows, columns,
                      Eigen::OuterStride<>(s.time * columns));
}

// Checks the weights against the inputs: W (features, 4 * units), U (units, 4 * units),
// b (4 * units), inputs (batch, time, features).
Status ReadSizes(const Tensor& inputs, const Tensor& kernel, const Tensor& recurrent,
                 Sizes* sizes) {
  if (recurrent.dims() != 2 || recurrent.dim_size(1) != 4 * recurrent.dim_size(0)) {
    return InvalidArgument("recurrent_kernel must be (units, 4 * units), got ",
                           recurrent.shape().DebugString());
  }
  const int64_t units = recurrent.dim_size(0);
  if (inputs.dims() != 3) {
    return InvalidArgument("inputs must be (batch, time, features), got ",
                           inputs.shape().DebugString());
  }
  if (kernel.shape() != TensorShape({inputs.dim_size(2), 4 * units})) {
    return InvalidArgument("kernel must be (", inputs.dim_size(2), ", ", 4 * units, "), got ",
                           kernel.shape().DebugString());
  }
  *sizes = {inputs.dim_size(0), inputs.dim_size(1), inputs.dim_size(2), units, 4 * units};
  return Status();
}

// How many blocks of rows a batch is split into: one per intra-op thread. Smaller blocks
// would each step the whole recurrence with thinner products.
int64_t BatchParts(OpKernelContext* context, int64_t batch) {
  const int threads = context->device()->tensorflow_cpu_worker_threads()->num_threads;
  return std::max<int64_t>(1, std::min<int64_t>(threads, batch));
}

// Runs work(part, first_row, rows) for every part of the batch, the parts at once.
template <typename Work>
void ForBatchParts(OpKernelContext* context, int64_t batch, int64_t parts, Work work) {
  auto* workers = context->device()->tensorflow_cpu_worker_threads()->workers;
  workers->ParallelFor(parts, [&](int64_t begin, int64_t end) {
    for (int64_t part = begin; part < end; ++part) {
      const int64_t first = part * batch / parts;
      work(part, first, (part + 1) * batch / parts - first);
    }
  });
}

class LstmForward : public OpKernel {
 public:
  explicit LstmForward(OpKernelConstruction* construction) : OpKernel(construction) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& inputs = context->input(0);
    const Tensor& kernel = context->input(1);
    const Tensor& recurrent = context->input(2);
    const Tensor& bias = context->input(3);
    Sizes s;
    OP_REQUIRES_OK(context, ReadSizes(inputs, kernel, recurrent, &s));
    OP_REQUIRES(context, bias.shape() == TensorShape({s.width}),
                InvalidArgument("bias must be (", s.width, "), got ", bias.shape().DebugString()));

    Tensor *hidden, *cells, *gates;
    OP_REQUIRES_OK(context, context->allocate_output(0, {s.batch, s.time, s.units}, &hidden));
    OP_REQUIRES_OK(context, context->allocate_output(1, {s.batch, s.time, s.units}, &cells));
    OP_REQUIRES_OK(context, context->allocate_output(2, {s.batch, s.time, s.width}, &gates));
    if (s.time == 0 || s.batch == 0) return;

    const float* inputs_data = inputs.flat<float>().data();
    float* hidden_data = hidden->flat<float>().data();
    float* cells_data = cells->flat<float>().data();
    float* gates_data = gates->flat<float>().data();
    const ConstMatrixMap input_kernel(kernel.flat<float>().data(), s.features, s.width);
    const ConstMatrixMap recurrent_kernel(recurrent.flat<float>().data(), s.units, s.width);
    const Eigen::Map<const Row> bias_row(bias.flat<float>().data(), s.width);
    const int64_t units = s.units;

    auto run_rows = [&](int64_t, int64_t first, int64_t rows) {
      // Every step's input projection x_t W + b for these rows at once: in a batch-major
      // tensor a block of rows is one contiguous (rows * time, ...) matrix.
      MatrixMap projected(gates_data + first * s.time * s.width, rows * s.time, s.width);
      projected.noalias() =
          ConstMatrixMap(inputs_data + first * s.time * s.features, rows * s.time, s.features) *
          input_kernel;
      projected.rowwise() += bias_row;
      for (int64_t t = 0; t < s.time; ++t) {
        StepMap z = Step(gates_data, s, first, rows, t, s.width);
        StepMap c = Step(cells_data, s, first, rows, t, units);
        StepMap h = Step(hidden_data, s, first, rows, t, units);
        if (t > 0) {
          z.noalias() += Step(static_cast<const float*>(hidden_data), s, first, rows, t - 1, units) *
                         recurrent_kernel;
        }
        z.leftCols(2 * units) = z.leftCols(2 * units).array().logistic().matrix();
        z.middleCols(2 * units, units) = z.middleCols(2 * units, units).array().tanh().matrix();
        z.rightCols(units) = z.rightCols(units).array().logistic().matrix();
        const auto i = z.leftCols(units).array();
        const auto f = z.middleCols(units, units).array();
        const auto candidate = z.middleCols(2 * units, units).array();
        const auto o = z.rightCols(units).array();
        if (t > 0) {
          const ConstStepMap c_previous =
              Step(static_cast<const float*>(cells_data), s, first, rows, t - 1, units);
          c.array() = f * c_previous.array() + i * candidate;
        } else {
          c.array() = i * candidate;
        }
        h.array() = o * c.array().tanh();
      }
    };
    ForBatchParts(context, s.batch, BatchParts(context, s.batch), run_rows);
  }
};

class LstmBackward : public OpKernel {
 public:
  explicit LstmBackward(OpKernelConstruction* construction) : OpKernel(construction) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& d_hidden = context->input(0);
    const Tensor& inputs = context->input(1);
    const Tensor& kernel = context->input(2);
    const Tensor& recurrent = context->input(3);
    const Tensor& hidden = context->input(4);
    const Tensor& cells = context->input(5);
    const Tensor& gates = context->input(6);
    Sizes s;
    OP_REQUIRES_OK(context, ReadSizes(inputs, kernel, recurrent, &s));
    const TensorShape states({s.batch, s.time, s.units});
    OP_REQUIRES(context,
                hidden.shape() == states && cells.shape() == states &&
                    gates.shape() == TensorShape({s.batch, s.time, s.width}),
                InvalidArgument("hidden, cells and gates must be the forward op's outputs for ",
                                inputs.shape().DebugString()));
    const bool every_step = d_hidden.shape() == states;
    OP_REQUIRES(context, every_step || d_hidden.shape() == TensorShape({s.batch, s.units}),
                InvalidArgument("d_hidden must be ", states.DebugString(), " or (", s.batch,
                                ", ", s.units, "), got ", d_hidden.shape().DebugString()));

    Tensor *d_gates, *d_kernel, *d_recurrent, *d_bias;
    OP_REQUIRES_OK(context, context->allocate_output(0, gates.shape(), &d_gates));
    OP_REQUIRES_OK(context, context->allocate_output(1, kernel.shape(), &d_kernel));
    OP_REQUIRES_OK(context, context->allocate_output(2, recurrent.shape(), &d_recurrent));
    OP_REQUIRES_OK(context, context->allocate_output(3, {s.width}, &d_bias));
    MatrixMap d_input_kernel(d_kernel->flat<float>().data(), s.features, s.width);
    MatrixMap d_recurrent_kernel(d_recurrent->flat<float>().data(), s.units, s.width);
    Eigen::Map<Row> d_bias_row(d_bias->flat<float>().data(), s.width);
    d_input_kernel.setZero();
    d_recurrent_kernel.setZero();
    d_bias_row.setZero();
    if (s.time == 0 || s.batch == 0) return;

    const float* d_hidden_data = d_hidden.flat<float>().data();
    const float* inputs_data = inputs.flat<float>().data();
    const float* hidden_data = hidden.flat<float>().data();
    const float* cells_data = cells.flat<float>().data();
    const float* gates_data = gates.flat<float>().data();
    float* d_gates_data = d_gates->flat<float>().data();
    // Transposed once: each step's product then reads it row by row.
    const Matrix recurrent_transposed =
        ConstMatrixMap(recurrent.flat<float>().data(), s.units, s.width).transpose();
    const int64_t units = s.units;

    // Each part sums its rows' shares of the weights' gradients in matrices of its own,
    // added together at the end.
    const int64_t parts = BatchParts(context, s.batch);
    std::vector<Matrix> d_input_parts(parts), d_recurrent_parts(parts);
    std::vector<Row> d_bias_parts(parts);

    auto run_rows = [&](int64_t part, int64_t first, int64_t rows) {
      Matrix dh(rows, units), dc(rows, units), tanh_c(rows, units);
      Matrix dh_carried = Matrix::Zero(rows, units), dc_carried = Matrix::Zero(rows, units);
      d_recurrent_parts[part] = Matrix::Zero(units, s.width);
      for (int64_t t = s.time - 1; t >= 0; --t) {
        if (every_step) {
          dh = Step(d_hidden_data, s, first, rows, t, units) + dh_carried;
        } else if (t == s.time - 1) {
          dh = ConstMatrixMap(d_hidden_data + first * units, rows, units);
        } else {
          dh = dh_carried;
        }
        const ConstStepMap a = Step(gates_data, s, first, rows, t, s.width);
        const auto i = a.leftCols(units).array();
        const auto f = a.middleCols(units, units).array();
        const auto candidate = a.middleCols(2 * units, units).array();
        const auto o = a.rightCols(units).array();
        tanh_c.array() = Step(cells_data, s, first, rows, t, units).array().tanh();
        dc.array() = dh.array() * o * (1 - tanh_c.array().square()) + dc_carried.array();

        StepMap dz = Step(d_gates_data, s, first, rows, t, s.width);
        dz.leftCols(units).array() = dc.array() * candidate * i * (1 - i);
        if (t > 0) {
          const ConstStepMap c_previous = Step(cells_data, s, first, rows, t - 1, units);
          dz.middleCols(units, units).array() = dc.array() * c_previous.array() * f * (1 - f);
        } else {
          dz.middleCols(units, units).setZero();
        }
        dz.middleCols(2 * units, units).array() = dc.array() * i * (1 - candidate.square());
        dz.rightCols(units).array() = dh.array() * tanh_c.array() * o * (1 - o);
        if (t > 0) {
          dc_carried.array() = dc.array() * f;
          dh_carried.noalias() = dz * recurrent_transposed;
          d_recurrent_parts[part].noalias() +=
              Step(hidden_data, s, first, rows, t - 1, units).transpose() * dz;
        }
      }
      // W's and b's shares over all steps at once, on the contiguous block of rows.
      const ConstMatrixMap d_projected(d_gates_data + first * s.time * s.width, rows * s.time,
                                       s.width);
      d_input_parts[part].noalias() =
          ConstMatrixMap(inputs_data + first * s.time * s.features, rows * s.time, s.features)
              .transpose() *
          d_projected;
      d_bias_parts[part] = d_projected.colwise().sum();
    };
    ForBatchParts(context, s.batch, parts, run_rows);
    for (int64_t part = 0; part < parts; ++part) {
      d_input_kernel += d_input_parts[part];
      d_recurrent_kernel += d_recurrent_parts[part];
      d_bias_row += d_bias_parts[part];
    }
  }
};

Status ForwardShapes(tensorflow::shape_inference::InferenceContext* c) {
  tensorflow::shape_inference::ShapeHandle inputs, recurrent;
  TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 3, &inputs));
  TF_RETURN_IF_ERROR(c->WithRank(c->input(2), 2, &recurrent));
  auto batch = c->Dim(inputs, 0), time = c->Dim(inputs, 1);
  auto width = c->Dim(recurrent, 1);
  c->set_output(0, c->MakeShape({batch, time, c->Dim(recurrent, 0)}));
  c->set_output(1, c->MakeShape({batch, time, c->Dim(recurrent, 0)}));
  c->set_output(2, c->MakeShape({batch, time, width}));
  return Status();
}

Status BackwardShapes(tensorflow::shape_inference::InferenceContext* c) {
  c->set_output(0, c->input(6));  // d_gates, like gates
  c->set_output(1, c->input(2));  // d_kernel
  c->set_output(2, c->input(3));  // d_recurrent_kernel
  tensorflow::shape_inference::ShapeHandle recurrent;
  TF_RETURN_IF_ERROR(c->WithRank(c->input(3), 2, &recurrent));
  c->set_output(3, c->Vector(c->Dim(recurrent, 1)));
  return Status();
}

}  // namespace

REGISTER_OP("SeqlabLstmForward")
    .Input("inputs: float")
    .Input("kernel: float")
    .Input("recurrent_kernel: float")
    .Input("bias: float")
    .Output("hidden: float")
    .Output("cells: float")
    .Output("gates: float")
    .SetShapeFn(ForwardShapes);

REGISTER_OP("SeqlabLstmBackward")
    .Input("d_hidden: float")
    .Input("inputs: float")
    .Input("kernel: float")
    .Input("recurrent_kernel: float")
    .Input("hidden: float")
    .Input("cells: float")
    .Input("gates: float")
    .Output("d_gates: float")
    .Output("d_kernel: float")
    .Output("d_recurrent_kernel: float")
    .Output("d_bias: float")
    .SetShapeFn(BackwardShapes);

REGISTER_KERNEL_BUILDER(Name("SeqlabLstmForward").Device(tensorflow::DEVICE_CPU), LstmForward);
REGISTER_KERNEL_BUILDER(Name("SeqlabLstmBackward").Device(tensorflow::DEVICE_CPU), LstmBackward);
