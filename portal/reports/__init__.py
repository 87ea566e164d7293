"""What the portal hands out as files: exports (CSV now, Excel next), later charts and PDF."""
