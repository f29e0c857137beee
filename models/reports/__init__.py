"""Reports: statistics for coordinators and admins, and the records export."""
