"""Home: what seqlab is for and where to start."""

import streamlit as st

from dashboard.home import task_overview

st.title("seqlab: do I need a neural net?")
st.markdown(
    "Before reaching for an LSTM, check whether a simple baseline already does the job. "
    "seqlab trains **simple baselines** (logistic regression, TF-IDF similarity, n-grams) and "
    "**TensorFlow recurrent networks** (SimpleRNN, LSTM, GRU) on the same data with the same "
    "split and seed, lets you **watch them train**, "
    "and **compares them honestly**: accuracy on held-out data with 95% bootstrap intervals, "
    "McNemar's test on the same test examples, training time and model size."
)
st.subheader("Tasks")
task_overview()
st.subheader("Where to start")
st.markdown(
    "1. Open **Sequence classification**, keep the bundled *Digits 8x8* dataset, and train the "
    "logistic-regression baseline and an LSTM (about half a minute on a laptop CPU).\n"
    "2. Compare them side by side, then draw a digit and see what each model thinks.\n"
    "3. Open **Text classification**: SMS spam, question types, movie reviews, or your own "
    "CSV. TF-IDF + logistic regression against an LSTM; type a text and see which words "
    "decided. **Word2vec** trains word vectors on a corpus and explores them.\n"
    "4. Open **Predictive text**: a Kneser-Ney n-gram against word and character LSTMs on "
    "Wikipedia, Hamlet or your text; type and watch each model's next-word suggestions. "
    "**Sequence labelling** puts the spaces back into run-together text, or tags your own "
    "CoNLL-U corpus.\n"
    "5. Open **Replier**: answer a message with the reply of the most similar one seen "
    "before (TF-IDF), or with an LSTM dual encoder or encoder-decoder, scored by picking the "
    "true reply out of ten.\n"
    "6. Open **Compare** for every stored run, including those trained from the command line "
    "(`python -m core train sequence-classification digits lstm`).\n"
    "\nNew to TensorFlow? **Learn: Tensors** shows what a tensor's rank, shape and dtype are, "
    "and how a batch of images becomes the sequences an RNN reads; **Learn: Perceptron** fits "
    "a line by gradient descent beside the closed-form answer."
)
st.page_link(
    "../pages/sequence_classification.py",
    label="Start: sequence classification",
    icon=":material/arrow_forward:",
)
