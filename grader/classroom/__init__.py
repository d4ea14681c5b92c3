"""Grading a class: many notebooks, workers, the gradebook, reviews and exports."""
