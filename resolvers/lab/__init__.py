"""The Forven lab's runtime services (market feed, paper exchange, clock, limits), configured
once by the server and read by the resolvers that trade or price anything."""
