// Keras's LSTM layer as two TensorFlow ops, compiled for the machine that runs them.
//
// TensorFlow's pip build compiles its own Eigen code for plain AVX (oneDNN, dispatched at run
// time, serves only its "performance-critical" ops such as MatMul), and an LSTM stepped
// through TensorFlow's ops runs a dozen small ops a step. These kernels run the whole layer in
// one op forward and one backward, with Eigen's products and vectorised sigmoid and tanh built
// for this CPU (-march=native):
// - the batch is split into one contiguous block of rows per intra-op thread, each run by a
//   thread of this library's own pinned to its CPU (PartThreads): rows never mix in an LSTM,
//   so each block steps the whole recurrence without waiting for the others;
// - a step is one product of [x_t, h_{t-1}] with [W; U] forward, and backward one product for
//   dh_{t-1} and one for the step's shares of dW and dU, each while the step's rows are in
//   cache; the gates of a row are activated, and differentiated, in one pass over that row.
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
// The maths is Keras's LSTM with its defaults; core/models/recurrent/lstm_recurrence.py steps the same
// in TensorFlow's ops where this library is not built.

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <cstdint>
#include <vector>

#include "Eigen/Core"
#include "absl/synchronization/blocking_counter.h"
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

using Vector = Eigen::Map<Eigen::ArrayXf>;
using ConstVector = Eigen::Map<const Eigen::ArrayXf>;

// One row's step forward, all of it while the row is in the L1 cache: activates the gate
// pre-activations z (i, f, candidate, o) in place and writes c_t and h_t; c_previous is
// null at t = 0 (zero state).
void ForwardRow(float* z, const float* c_previous, float* c, float* h, int64_t units) {
  Vector input_and_forget(z, 2 * units), candidate(z + 2 * units, units), o(z + 3 * units, units);
  input_and_forget = input_and_forget.logistic();
  candidate = candidate.tanh();
  o = o.logistic();
  const Vector i(z, units), f(z + units, units);
  Vector cell(c, units);
  if (c_previous != nullptr) {
    cell = f * ConstVector(c_previous, units) + i * candidate;
  } else {
    cell = i * candidate;
  }
  Vector(h, units) = o * cell.tanh();
}

// One row's step backward: from the loss's gradient for h_t (d_hidden, null where it has
// none) plus what step t + 1 carried back (dh_carried, dc_carried), writes dz_t and leaves in
// dc_carried what goes on to c_{t-1}; the caller forms dh_{t-1} = dz_t U^T for all rows at once.
// `scratch` holds 3 * units floats.
void BackwardRow(const float* gates, const float* c, const float* c_previous,
                 const float* d_hidden, const float* dh_carried, float* dc_carried, float* dz,
                 float* scratch, int64_t units) {
  const ConstVector i(gates, units), f(gates + units, units);
  const ConstVector candidate(gates + 2 * units, units), o(gates + 3 * units, units);
  Vector dh(scratch, units), tanh_c(scratch + units, units), dc(scratch + 2 * units, units);
  dh = ConstVector(dh_carried, units);
  if (d_hidden != nullptr) dh += ConstVector(d_hidden, units);
  tanh_c = ConstVector(c, units).tanh();
  Vector carried(dc_carried, units);
  dc = dh * o * (1 - tanh_c.square()) + carried;
  Vector(dz, units) = dc * candidate * i * (1 - i);
  if (c_previous != nullptr) {
    Vector(dz + units, units) = dc * ConstVector(c_previous, units) * f * (1 - f);
  } else {
    Vector(dz + units, units).setZero();
  }
  Vector(dz + 2 * units, units) = dc * i * (1 - candidate.square());
  Vector(dz + 3 * units, units) = dh * tanh_c * o * (1 - o);
  carried = dc * f;
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

// [W; U]: the two kernels stacked, (features + units, 4 * units), so that one product of
// [x_t, h_{t-1}] with it gives a step's pre-activations, and one product of its transpose
// with dz_t gives the step's shares of both kernels' gradients.
Matrix StackedKernels(const Tensor& kernel, const Tensor& recurrent, const Sizes& s) {
  Matrix stacked(s.features + s.units, s.width);
  stacked.topRows(s.features) = ConstMatrixMap(kernel.flat<float>().data(), s.features, s.width);
  stacked.bottomRows(s.units) = ConstMatrixMap(recurrent.flat<float>().data(), s.units, s.width);
  return stacked;
}

// Fills step_inputs, (rows, features + units), with [x_t, h_{t-1}] of rows [first, first +
// rows), h_{-1} being the zero state.
void GatherStepInputs(const float* inputs, const float* hidden, const Sizes& s, int64_t first,
                      int64_t t, Matrix* step_inputs) {
  const int64_t rows = step_inputs->rows();
  step_inputs->leftCols(s.features) = Step(inputs, s, first, rows, t, s.features);
  if (t > 0) {
    step_inputs->rightCols(s.units) = Step(hidden, s, first, rows, t - 1, s.units);
  } else {
    step_inputs->rightCols(s.units).setZero();
  }
}

// How many blocks of rows a batch is split into: one per intra-op thread. Smaller blocks
// would each step the whole recurrence with thinner products.
int64_t BatchParts(OpKernelContext* context, int64_t batch) {
  const int threads = context->device()->tensorflow_cpu_worker_threads()->num_threads;
  return std::max<int64_t>(1, std::min<int64_t>(threads, batch));
}

// Threads of this library's own, one pinned to each CPU this process may use, that run the
// parts of a batch: part k on thread k, so two parts never share a core. Unpinned, the Linux
// scheduler often put the thread woken for the second part on the CPU of the thread that woke
// it, which then ran the first part there: in a quarter of the steps of a profiled training
// the op took twice its time (with TensorFlow's intra-op pool and with unpinned threads alike).
// The threads sleep on a condition variable between ops, never spinning.
class PartThreads {
 public:
  static PartThreads& Shared() {
    static PartThreads* threads = new PartThreads();  // lives as long as the process
    return *threads;
  }

  // Runs part(index) for index in [0, parts) at once and returns when all are done.
  void Run(int64_t parts, const std::function<void(int64_t)>& part) {
    absl::BlockingCounter pending(parts);
    for (int64_t index = 0; index < parts; ++index) {
      Worker& worker = WorkerFor(index);
      {
        std::lock_guard<std::mutex> lock(worker.mutex);
        worker.tasks.push_back([&part, &pending, index] {
          part(index);
          pending.DecrementCount();
        });
      }
      worker.ready.notify_one();
    }
    pending.Wait();
  }

 private:
  struct Worker {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<std::function<void()>> tasks;
  };

  PartThreads() {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
      for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &allowed)) cpus_.push_back(cpu);
      }
    }
  }

  // Worker `index`, started on first use and pinned to the index-th allowed CPU (round robin
  // when there are more parts than CPUs).
  Worker& WorkerFor(int64_t index) {
    std::lock_guard<std::mutex> lock(mutex_);
    while (static_cast<int64_t>(workers_.size()) <= index) {
      auto worker = std::make_unique<Worker>();
      Worker* serving = worker.get();
      std::thread thread([serving] { Serve(serving); });
      if (!cpus_.empty()) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpus_[workers_.size() % cpus_.size()], &one);
        pthread_setaffinity_np(thread.native_handle(), sizeof(one), &one);
      }
      thread.detach();
      workers_.push_back(std::move(worker));
    }
    return *workers_[index];
  }

  static void Serve(Worker* worker) {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(worker->mutex);
        worker->ready.wait(lock, [worker] { return !worker->tasks.empty(); });
        task = std::move(worker->tasks.front());
        worker->tasks.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::vector<int> cpus_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

// Runs work(part, first_row, rows) for every part of the batch, the parts at once.
template <typename Work>
void ForBatchParts(int64_t batch, int64_t parts, Work work) {
  PartThreads::Shared().Run(parts, [&](int64_t part) {
    const int64_t first = part * batch / parts;
    work(part, first, (part + 1) * batch / parts - first);
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
    const Matrix stacked_kernels = StackedKernels(kernel, recurrent, s);
    const Eigen::Map<const Row> bias_row(bias.flat<float>().data(), s.width);
    const int64_t units = s.units;

    auto run_rows = [&](int64_t, int64_t first, int64_t rows) {
      Matrix step_inputs(rows, s.features + units);
      for (int64_t t = 0; t < s.time; ++t) {
        StepMap z = Step(gates_data, s, first, rows, t, s.width);
        StepMap c = Step(cells_data, s, first, rows, t, units);
        StepMap h = Step(hidden_data, s, first, rows, t, units);
        // z_t = [x_t, h_{t-1}] [W; U] + b, in one product while the rows are in cache (the
        // input projection of all steps at once wrote and reread every gate from memory).
        GatherStepInputs(inputs_data, hidden_data, s, first, t, &step_inputs);
        z.rowwise() = bias_row;
        z.noalias() += step_inputs * stacked_kernels;
        for (int64_t row = 0; row < rows; ++row) {
          ForwardRow(z.row(row).data(), t > 0 ? c.row(row).data() - units : nullptr,
                     c.row(row).data(), h.row(row).data(), units);
        }
      }
    };
    ForBatchParts(s.batch, BatchParts(context, s.batch), run_rows);
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

    // Each part sums its rows' shares of the weights' gradients, [dW; dU] and db, in matrices
    // of its own, added together at the end.
    const int64_t parts = BatchParts(context, s.batch);
    std::vector<Matrix> d_stacked_parts(parts);
    std::vector<Row> d_bias_parts(parts);

    auto run_rows = [&](int64_t part, int64_t first, int64_t rows) {
      Matrix dh_carried = Matrix::Zero(rows, units), dc_carried = Matrix::Zero(rows, units);
      Matrix step_inputs(rows, s.features + units);
      std::vector<float> scratch(3 * units);
      d_stacked_parts[part] = Matrix::Zero(s.features + units, s.width);
      d_bias_parts[part] = Row::Zero(s.width);
      for (int64_t t = s.time - 1; t >= 0; --t) {
        const ConstStepMap gates_t = Step(gates_data, s, first, rows, t, s.width);
        const ConstStepMap cells_t = Step(cells_data, s, first, rows, t, units);
        StepMap dz = Step(d_gates_data, s, first, rows, t, s.width);
        for (int64_t row = 0; row < rows; ++row) {
          const float* d_hidden_row =
              every_step ? Step(d_hidden_data, s, first, rows, t, units).row(row).data()
              : t == s.time - 1 ? d_hidden_data + (first + row) * units
                                : nullptr;
          BackwardRow(gates_t.row(row).data(), cells_t.row(row).data(),
                      t > 0 ? cells_t.row(row).data() - units : nullptr, d_hidden_row,
                      dh_carried.row(row).data(), dc_carried.row(row).data(),
                      dz.row(row).data(), scratch.data(), units);
        }
        // [dW; dU] += [x_t, h_{t-1}]^T dz_t and db += dz_t's column sums, while dz_t is in
        // cache.
        GatherStepInputs(inputs_data, hidden_data, s, first, t, &step_inputs);
        d_stacked_parts[part].noalias() += step_inputs.transpose() * dz;
        d_bias_parts[part] += dz.colwise().sum();
        if (t > 0) dh_carried.noalias() = dz * recurrent_transposed;
      }
    };
    ForBatchParts(s.batch, parts, run_rows);
    for (int64_t part = 0; part < parts; ++part) {
      d_input_kernel += d_stacked_parts[part].topRows(s.features);
      d_recurrent_kernel += d_stacked_parts[part].bottomRows(units);
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
