"""The floor (đăng ký phát biểu): speaker requests, the queue, the current speech and its timer."""
