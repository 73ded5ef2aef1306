"""fevermap.routing"""
