"""What every layer uses: the error hierarchy, the result records, text helpers."""
