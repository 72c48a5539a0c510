"""Members (đoàn viên): records, status, transfers, ageing out, data export and exports."""
