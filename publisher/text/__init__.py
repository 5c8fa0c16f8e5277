"""Text services shared by rules, preview and publishing: language, length, composition."""
