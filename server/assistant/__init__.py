"""The assistant inside the server: keeps the search index in step with the documents, answers questions."""
