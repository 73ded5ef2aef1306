"""fevermap.tracing"""
