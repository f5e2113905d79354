"""ETL: CSV files in S3 to rows on SQS to items in DynamoDB."""
