"""Minutes (biên bản): draft from the record, edit in versions, approve and sign, export."""
