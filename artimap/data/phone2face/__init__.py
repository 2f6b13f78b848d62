"""phone2face data: motion capture and phone alignments -> frame-aligned training data.

    sources     find (motion, alignment) pairs: talker corpus or a folder of files
    markers     marker selection by label list or preset
    headmotion  rigid head-motion removal (Kabsch)
    gaps        short occlusion gaps interpolated, long ones masked
    resample    marker tracks to the target frame rate
    phones      phone inventory, frame-wise phone ids
    utterance   one utterance through all of the above
    arrays      concatenated memory-mapped arrays, train statistics
    prepare     `artimap prepare phone2face`
    dataset     Phone2FaceDataset, collate_padded; sampler: BucketBatchSampler
    bench       prepare and read throughput
"""
