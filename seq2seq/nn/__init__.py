"""The neural network: recurrent cells, encoder, attention, decoder (one `step()`), and the model that joins them."""
