"""Reading post files: discovery, front matter, Markdown, the post model, registers."""
