"""Instructors' tools for writing an assignment: scaffold, stub, validate, audit."""
