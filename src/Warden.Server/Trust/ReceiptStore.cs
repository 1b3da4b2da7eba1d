using Warden.Server.Storage;

namespace Warden.Server.Trust;

/// <summary>Reads stored receipts (the usage writer stores them, in the same transaction as the usage record).</summary>
internal sealed class ReceiptStore(WardenDatabase database)
{
    /// <summary>The receipt of <paramref name="requestId"/> if the key <paramref name="keyId"/> made that request; otherwise null.</summary>
    public string? Find(string requestId, string keyId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT jws FROM receipts WHERE request_id = $id AND key_id = $key";
        command.Parameters.AddWithValue("$id", requestId);
        command.Parameters.AddWithValue("$key", keyId);
        return command.ExecuteScalar() as string;
    }
}
