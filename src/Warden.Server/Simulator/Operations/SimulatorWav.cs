using System.Buffers.Binary;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// WAV in and out for the audio operations: sim-tts writes 16-bit mono PCM at 8 kHz, 50 ms per input character (so the
/// length is proportional to the text); the transcription endpoints read a RIFF/WAVE header's byte rate and data size
/// to report the audio's duration.
/// </summary>
internal static class SimulatorWav
{
    public const int SampleRate = 8000;
    public const int HeaderBytes = 44;

    /// <summary>Audio per input character of speech.</summary>
    public const int MillisecondsPerCharacter = 50;

    private const int BytesPerSample = 2;

    /// <summary>Bytes of PCM data sim-tts answers for a text of <paramref name="characters"/> characters.</summary>
    public static int DataBytes(int characters) => checked(characters * (SampleRate * MillisecondsPerCharacter / 1000) * BytesPerSample);

    public static byte[] Header(int dataBytes)
    {
        var header = new byte[HeaderBytes];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), 36 + dataBytes);
        "WAVEfmt "u8.CopyTo(header.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(20), 1); // PCM
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(22), 1); // mono
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(28), SampleRate * BytesPerSample);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(32), BytesPerSample);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(34), 16);
        "data"u8.CopyTo(header.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(40), dataBytes);
        return header;
    }

    /// <summary>Fills <paramref name="samples"/> with a quiet square wave whose pitch depends on the text, starting at sample <paramref name="offset"/>.</summary>
    public static void FillSamples(Span<byte> samples, long offset, int period)
    {
        for (int i = 0; i + 1 < samples.Length; i += BytesPerSample)
        {
            long sample = offset + (i / BytesPerSample);
            short value = (sample / period % 2) == 0 ? (short)2000 : (short)-2000;
            BinaryPrimitives.WriteInt16LittleEndian(samples[i..], value);
        }
    }

    /// <summary>
    /// The duration in seconds a WAV file's header states (data bytes over byte rate), or null when the bytes are not a
    /// RIFF/WAVE file with a fmt chunk before its data chunk.
    /// </summary>
    public static double? Duration(ReadOnlySpan<byte> file)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            return null;
        }

        int byteRate = 0;
        int position = 12;
        while (position + 8 <= file.Length)
        {
            var id = file.Slice(position, 4);
            int size = BinaryPrimitives.ReadInt32LittleEndian(file.Slice(position + 4, 4));
            if (size < 0)
            {
                return null;
            }

            if (id.SequenceEqual("fmt "u8) && position + 20 <= file.Length)
            {
                byteRate = BinaryPrimitives.ReadInt32LittleEndian(file.Slice(position + 16, 4));
            }
            else if (id.SequenceEqual("data"u8))
            {
                // A streamed WAV may state a larger size than it carries; what arrived is what plays.
                long available = Math.Min(size, file.Length - position - 8);
                return byteRate > 0 ? (double)available / byteRate : null;
            }

            position = checked(position + 8 + size + (size & 1));
        }

        return null;
    }
}
