using Warden.Core.Chat;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Usage;

/// <summary>
/// Persistence and reporting of usage records. A record's receipt is stored, and appended to the transparency log
/// (<paramref name="receiptLog"/>), in the same transaction as the record.
/// </summary>
internal sealed class UsageStore(WardenDatabase database, IReceiptLog? receiptLog = null) : IDisposable
{
    private static readonly string[] ParameterNames =
    [
        "@id", "@key", "@requested", "@served", "@channel", "@upstream", "@status", "@outcome", "@streamed",
        "@input", "@output", "@cached", "@reasoning", "@source", "@latency", "@ttfb", "@created",
    ];

    private readonly Lock _writeLock = new();

    // One connection and one prepared statement for the writer, kept open: opening, setting the pragmas and
    // parsing the INSERT again for every batch cost more than the insert itself when batches are small.
    private System.Data.Common.DbConnection? _writeConnection;
    private System.Data.Common.DbCommand? _insert;
    private System.Data.Common.DbCommand? _insertReceipt;
    private System.Data.Common.DbCommand? _appendLog;
    private System.Data.Common.DbCommand? _insertTransfer;

    /// <summary>
    /// Inserts a batch in one transaction: one commit for many records is what makes metering cheap. A record whose id is
    /// already stored updates its status, outcome and latency: an answer's record is committed before its end is sent,
    /// and the request writes it again (without its receipt) only when sending that end failed.
    /// </summary>
    public void InsertBatch(IReadOnlyList<UsageRecord> records)
    {
        lock (_writeLock)
        {
            try
            {
                Insert(records);
            }
            catch (System.Data.Common.DbException)
            {
                // The caller retries; start it again from a fresh connection.
                CloseWriter();
                throw;
            }
        }
    }

    private void Insert(IReadOnlyList<UsageRecord> records)
    {
        if (_insert is null)
        {
            _writeConnection = database.Open();
            _insert = _writeConnection.CreateCommand();
            _insert.CommandText = """
                INSERT INTO usage_records (id, key_id, requested_model, served_model, channel_id, upstream_request_id, status, outcome, streamed,
                    input_tokens, output_tokens, cached_tokens, reasoning_tokens, usage_source, latency_ms, ttfb_ms, created_at)
                VALUES (@id, @key, @requested, @served, @channel, @upstream, @status, @outcome, @streamed,
                    @input, @output, @cached, @reasoning, @source, @latency, @ttfb, @created)
                ON CONFLICT (id) DO UPDATE SET status = excluded.status, outcome = excluded.outcome, latency_ms = excluded.latency_ms
                """;
            foreach (string name in ParameterNames)
            {
                _insert.Parameters.AddWithValue(name, null);
            }

            StorageCommands.Prepare(_insert);

            _insertReceipt = _writeConnection.CreateCommand();
            _insertReceipt.CommandText = "INSERT INTO receipts (request_id, key_id, jws, created_at, log_idx) VALUES (@id, @key, @jws, @created, @log) ON CONFLICT (request_id) DO UPDATE SET key_id = excluded.key_id, jws = excluded.jws, created_at = excluded.created_at, log_idx = excluded.log_idx";
            foreach (string name in (string[])["@id", "@key", "@jws", "@created", "@log"])
            {
                _insertReceipt.Parameters.AddWithValue(name, null);
            }

            StorageCommands.Prepare(_insertReceipt);

            _insertTransfer = _writeConnection.CreateCommand();
            _insertTransfer.CommandText = """
                INSERT INTO transfers (request_id, created_at, tenant_id, key_id, home, provider, channel_id, jurisdiction, classes, uninspected, action, legal_basis)
                VALUES (@id, @created, @tenant, @key, @home, @provider, @channel, @jurisdiction, @classes, @uninspected, @action, @basis)
                ON CONFLICT (request_id) DO UPDATE SET created_at = excluded.created_at, tenant_id = excluded.tenant_id, key_id = excluded.key_id,
                    home = excluded.home, provider = excluded.provider, channel_id = excluded.channel_id, jurisdiction = excluded.jurisdiction,
                    classes = excluded.classes, uninspected = excluded.uninspected, action = excluded.action, legal_basis = excluded.legal_basis
                """;
            foreach (string name in (string[])["@id", "@created", "@tenant", "@key", "@home", "@provider", "@channel", "@jurisdiction", "@classes", "@uninspected", "@action", "@basis"])
            {
                _insertTransfer.Parameters.AddWithValue(name, null);
            }

            StorageCommands.Prepare(_insertTransfer);
            _appendLog = receiptLog is null ? null : LogEntryRows.PrepareAppend(_writeConnection);
        }

        var command = _insert;
        var appended = receiptLog is null ? null : new List<AppendedEntry>();
        using var transaction = _writeConnection!.BeginTransaction();
        command.Transaction = transaction;
        var p = command.Parameters;
        foreach (var r in records)
        {
            p["@id"].Value = r.Id;
            p["@key"].Value = (object?)r.KeyId ?? DBNull.Value;
            p["@requested"].Value = (object?)r.RequestedModel ?? DBNull.Value;
            p["@served"].Value = (object?)r.ServedModel ?? DBNull.Value;
            p["@channel"].Value = (object?)r.ChannelId ?? DBNull.Value;
            p["@upstream"].Value = (object?)r.UpstreamRequestId ?? DBNull.Value;
            p["@status"].Value = r.Status;
            p["@outcome"].Value = r.Outcome;
            p["@streamed"].Value = r.Streamed ? 1 : 0;
            p["@input"].Value = (object?)r.Usage.InputTokens ?? DBNull.Value;
            p["@output"].Value = (object?)r.Usage.OutputTokens ?? DBNull.Value;
            p["@cached"].Value = (object?)r.Usage.CacheReadTokens ?? DBNull.Value;
            p["@reasoning"].Value = (object?)r.Usage.ReasoningTokens ?? DBNull.Value;
            p["@source"].Value = r.Usage.Source switch
            {
                UsageSource.Reported => "reported",
                UsageSource.Estimated => "estimated",
                _ => "not_reported",
            };
            p["@latency"].Value = r.LatencyMs;
            p["@ttfb"].Value = (object?)r.TimeToFirstByteMs ?? DBNull.Value;
            p["@created"].Value = SqlTime.Format(r.CreatedAt);
            command.ExecuteNonQuery();
            if (r.Receipt is not null)
            {
                InsertReceipt(r, transaction, appended);
            }

            if (r.Transfer is not null)
            {
                InsertTransfer(r, transaction);
            }
        }

        transaction.Commit();
        command.Transaction = null;
        _insertReceipt!.Transaction = null;
        _insertTransfer!.Transaction = null;
        if (appended is { Count: > 0 })
        {
            receiptLog!.Committed(appended);
        }
    }

    /// <summary>The transfer register's row (issue 20): counts and categories only, in the usage record's transaction.</summary>
    private void InsertTransfer(UsageRecord record, System.Data.Common.DbTransaction transaction)
    {
        var transfer = record.Transfer!;
        var insert = _insertTransfer!;
        insert.Transaction = transaction;
        var p = insert.Parameters;
        p["@id"].Value = record.Id;
        p["@created"].Value = SqlTime.Format(record.CreatedAt);
        p["@tenant"].Value = (object?)transfer.TenantId ?? DBNull.Value;
        p["@key"].Value = (object?)record.KeyId ?? DBNull.Value;
        p["@home"].Value = transfer.Home;
        p["@provider"].Value = transfer.Provider;
        p["@channel"].Value = (object?)transfer.ChannelId ?? DBNull.Value;
        p["@jurisdiction"].Value = transfer.Jurisdiction;
        p["@classes"].Value = transfer.Classes;
        p["@uninspected"].Value = transfer.Uninspected;
        p["@action"].Value = transfer.Action;
        p["@basis"].Value = (object?)transfer.LegalBasis ?? DBNull.Value;
        insert.ExecuteNonQuery();
    }

    private void InsertReceipt(UsageRecord record, System.Data.Common.DbTransaction transaction, List<AppendedEntry>? appended)
    {
        // The log entry first: the receipt row keeps its index, which is how a receipt's proof is found.
        AppendedEntry? entry = receiptLog?.Append(_appendLog!, transaction, record.Receipt!, record.CreatedAt);
        if (entry is { } logged)
        {
            appended!.Add(logged);
        }

        var receipt = _insertReceipt!;
        receipt.Transaction = transaction;
        var p = receipt.Parameters;
        p["@id"].Value = record.Id;
        p["@key"].Value = (object?)record.KeyId ?? DBNull.Value;
        p["@jws"].Value = record.Receipt;
        p["@created"].Value = SqlTime.Format(record.CreatedAt);
        p["@log"].Value = entry is { } e ? e.Index : DBNull.Value;
        receipt.ExecuteNonQuery();
    }

    /// <summary>Closes the writer's connection (after the writer drained, or after a failed commit).</summary>
    public void CloseWriter()
    {
        lock (_writeLock)
        {
            _insert?.Dispose();
            _insert = null;
            _insertReceipt?.Dispose();
            _insertReceipt = null;
            _insertTransfer?.Dispose();
            _insertTransfer = null;
            _appendLog?.Dispose();
            _appendLog = null;
            _writeConnection?.Dispose();
            _writeConnection = null;
        }
    }

    public void Dispose() => CloseWriter();

    /// <summary>Usage per day, key and requested model, newest day first.</summary>
    public List<UsageSummaryRow> Summarise(DateTimeOffset? since)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT substr(u.created_at, 1, 10) AS day,
                   COALESCE(k.name, u.key_id, '(unauthenticated)') AS key_name,
                   COALESCE(u.requested_model, '(none)') AS model,
                   COUNT(*),
                   CAST(SUM(CASE WHEN u.status BETWEEN 200 AND 299 THEN 1 ELSE 0 END) AS BIGINT),
                   CAST(SUM(u.input_tokens) AS BIGINT), CAST(SUM(u.output_tokens) AS BIGINT), CAST(SUM(u.cached_tokens) AS BIGINT), CAST(SUM(u.reasoning_tokens) AS BIGINT),
                   CAST(SUM(CASE WHEN u.usage_source <> 'reported' AND u.status BETWEEN 200 AND 299 THEN 1 ELSE 0 END) AS BIGINT)
            FROM usage_records u LEFT JOIN client_keys k ON k.id = u.key_id
            WHERE CAST(@since AS TEXT) IS NULL OR u.created_at >= @since
            GROUP BY day, key_name, model
            ORDER BY day DESC, key_name, model
            """;
        command.Parameters.AddWithValue("@since", since is { } s ? SqlTime.Format(s) : DBNull.Value);
        using var reader = command.ExecuteReader();
        var rows = new List<UsageSummaryRow>();
        while (reader.Read())
        {
            rows.Add(new UsageSummaryRow(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetInt64(8),
                reader.GetInt64(9)));
        }

        return rows;
    }
}
