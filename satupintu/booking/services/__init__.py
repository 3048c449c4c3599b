"""Writes of visits, one module per thing written: slots, bookings, closures, queue tickets."""
