"""gunicorn settings read from the working directory (make run, the benchmarks).

The access log names the path but never the query string: search words and reset tokens
stay out of log files.
"""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
