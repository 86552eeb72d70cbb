"""The market both products trade on: the feed (candles, quotes), the market clock and the
paper exchange. Below resolvers/halyrd/ and resolvers/lab/; imports neither."""
