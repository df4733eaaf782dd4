"""Written opinions (phiếu lấy ý kiến) on a draft document or an agenda item."""
