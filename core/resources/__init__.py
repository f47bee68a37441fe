"""The resource library: adding, reviewing, curating and searching shared links."""
