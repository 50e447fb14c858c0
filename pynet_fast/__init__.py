raise ImportError("pynet_fast is not built yet")
