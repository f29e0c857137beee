"""Reports: statistics for coordinators and admins (`stats`) and their chart (`charts`), and the
records export (`exports`) with its files' column layout and writers (`export_files`)."""
