"""The deep-dive chat: one persistent thread per strategy, answered by the model policy's
`chat` chain and streamed as it arrives (threads.py: the thread and the operator's turn;
prompt.py: what the model is told; send.py: the streamed answer)."""
