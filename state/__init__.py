"""What is remembered: state models, the Redis session store, the ticket sink."""
