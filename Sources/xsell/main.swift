print("xsell")
