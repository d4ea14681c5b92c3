"""Scoring: outcomes to points, and instructors' reviews applied to them; pure functions."""
