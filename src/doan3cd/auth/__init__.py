"""Who is calling, what they may do, and over which subtree."""
