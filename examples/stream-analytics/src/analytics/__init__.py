"""Stream analytics: hashtag counts from a stream of posts."""
