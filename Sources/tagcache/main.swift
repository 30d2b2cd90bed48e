import TagCache
print("tagcache")
