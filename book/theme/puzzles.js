// The interleaving puzzles' widget: see book/src/puzzles/README.md for the format.
