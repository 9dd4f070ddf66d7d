"""Image services behind one interface: the offline renderer and the network kinds over a shared wire."""
