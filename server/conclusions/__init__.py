"""Conclusions per agenda item (kết luận) and tasks assigned from a meeting (giao việc)."""
