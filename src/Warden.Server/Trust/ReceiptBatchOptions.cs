namespace Warden.Server.Trust;

/// <summary>How receipts are batched for signing.</summary>
internal sealed record ReceiptBatchOptions
{
    /// <summary>The most receipts one signature covers: bounds a batch's tree (and each path, at most log2 of it hashes).</summary>
    public int MaxSize { get; init; } = 64;

    /// <summary>Test seam: called with the batch size just before a batch is signed, on the signing caller's thread.</summary>
    public Action<int>? BeforeSignature { get; init; }

    /// <summary>Test seam: called with the queue length when a receipt queues behind a batch being signed.</summary>
    public Action<int>? Queued { get; init; }
}
