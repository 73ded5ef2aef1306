"""fevermap.api"""
