value = "helped"
