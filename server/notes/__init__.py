"""Private notes per document page, visible only to their author."""
