"""The web pages served by the collection server: students and jury (gallery, jury) and moderators."""
