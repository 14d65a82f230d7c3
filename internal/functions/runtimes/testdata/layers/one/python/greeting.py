def greet(name):
    return "hello from a layer, " + name
