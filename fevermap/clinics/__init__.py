"""fevermap.clinics"""
