using Warden.Core.Trust;

namespace Warden.Server.Trust;

/// <summary>
/// Group commit applied to signing (issue 25): a receipt that arrives while a batch is being signed waits for the next
/// batch, and one ES256 signature covers that whole batch (<see cref="ReceiptBatch"/>). Nobody waits for company: a
/// receipt that finds the signer idle is signed at once by its own caller, alone (a batch of one, with an empty path),
/// which costs what one signature per receipt cost before. The caller that signs a batch hands the next one to the
/// first receipt that queued behind it, so no request signs more than one batch.
/// </summary>
internal sealed class ReceiptBatcher(SigningKeyRing ring, TimeProvider time, ReceiptBatchOptions options)
{
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private bool _signing;

    /// <summary>Signs the claims payload <paramref name="payload"/> ("v" 2) and returns its receipt.</summary>
    public ValueTask<string> SignAsync(byte[] payload)
    {
        var pending = new Pending(payload);
        int queued = 0;
        lock (_gate)
        {
            if (_signing)
            {
                _queue.Enqueue(pending);
                queued = _queue.Count;
            }
            else
            {
                _signing = true;
            }
        }

        if (queued == 0)
        {
            // The signer was idle: this caller signs at once, outside the lock, so others can queue meanwhile.
            return ValueTask.FromResult(SignFrom(pending));
        }

        options.Queued?.Invoke(queued);
        return WaitAsync(pending);
    }

    private async ValueTask<string> WaitAsync(Pending pending)
    {
        // Null: this receipt's turn to sign the batch it heads.
        return await pending.Completion.Task ?? SignFrom(pending);
    }

    /// <summary>Signs <paramref name="first"/> with whatever queued (up to the bound), completes the others, and passes the turn on.</summary>
    private string SignFrom(Pending first)
    {
        List<Pending> batch = [first];
        lock (_gate)
        {
            while (batch.Count < options.MaxSize && _queue.TryDequeue(out Pending? next))
            {
                batch.Add(next);
            }
        }

        string[]? receipts = null;
        Exception? failure = null;
        try
        {
            options.BeforeSignature?.Invoke(batch.Count);
            receipts = ReceiptBatch.Sign([.. batch.Select(p => p.Payload)], ring.Current, time.GetUtcNow());
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        for (int i = 1; i < batch.Count; i++)
        {
            if (failure is null)
            {
                batch[i].Completion.TrySetResult(receipts![i]);
            }
            else
            {
                batch[i].Completion.TrySetException(failure);
            }
        }

        Pending? heir;
        lock (_gate)
        {
            if (!_queue.TryDequeue(out heir))
            {
                _signing = false;
            }
        }

        heir?.Completion.TrySetResult(null);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return receipts![0];
    }

    private sealed class Pending(byte[] payload)
    {
        public byte[] Payload { get; } = payload;

        public TaskCompletionSource<string?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
