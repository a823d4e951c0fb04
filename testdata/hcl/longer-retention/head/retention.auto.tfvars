retention_days = 400
