"""fevermap.geo"""
