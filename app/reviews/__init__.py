"""Worker reviews of organisations: submitted after an interview, moderated, public and anonymous."""
