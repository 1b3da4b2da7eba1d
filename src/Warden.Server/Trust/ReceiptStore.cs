using Warden.Server.Storage;
using Warden.Server.Usage;

namespace Warden.Server.Trust;

/// <summary>Reads stored receipts (the usage writer stores them, in the same transaction as the usage record).</summary>
internal sealed class ReceiptStore(WardenDatabase database)
{
    /// <summary>
    /// <see cref="FindStored"/> for a request that may have just ended: receipts are written off the request path, so
    /// when nothing is found the usage writer's queue is flushed and the lookup made once more.
    /// </summary>
    public async Task<StoredReceipt?> FindStoredAsync(string requestId, string keyId, UsageWriter writer)
    {
        if (FindStored(requestId, keyId) is { } stored)
        {
            return stored;
        }

        await writer.FlushAsync();
        return FindStored(requestId, keyId);
    }

    /// <summary>
    /// The receipt of <paramref name="requestId"/> and the index of its transparency-log entry (null when it was not
    /// logged), if the key <paramref name="keyId"/> made that request; otherwise null.
    /// </summary>
    public StoredReceipt? FindStored(string requestId, string keyId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT jws, log_idx FROM receipts WHERE request_id = @id AND key_id = @key";
        command.Parameters.AddWithValue("@id", requestId);
        command.Parameters.AddWithValue("@key", keyId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new StoredReceipt(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)) : null;
    }

    /// <summary>
    /// The index of the log entry of <paramref name="requestId"/>'s receipt, or null. Which key made the request is not
    /// asked: callers give the entry's leaf hash too and check it, so only someone holding the receipt learns anything.
    /// </summary>
    public long? FindLogIndex(string requestId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT log_idx FROM receipts WHERE request_id = @id";
        command.Parameters.AddWithValue("@id", requestId);
        return command.ExecuteScalar() is long index ? index : null;
    }
}

/// <summary>A stored receipt and the index of its transparency-log entry.</summary>
internal sealed record StoredReceipt(string Jws, long? LogIndex);
