raise RuntimeError("cfg")
