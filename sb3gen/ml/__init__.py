"""ML side: data, preprocessing, Keras training, weight export. Knows nothing of project.json.

Modules (TensorFlow is imported only inside functions that need it):
- dataset: Dataset, load_mnist(data_path)            embedded 5,000 images / 'keras' / user file
- preprocess: PreprocessSettings, preprocess(), resize_bilinear()   bit-identical to tf.image.resize
- subsets: held_out_indices (1,000 held out, or MNIST's test split), project_subsets, select_subsets
- evaluate: Evaluation (accuracy, Wilson interval, per digit, confusion matrix), write_evaluation (JSON + PNG)
- network: Network (layer sizes, activation, flat weights, preprocess, metrics; JSON), weight layout doc
- presets: TrainConfig, PRESETS ("default", "day2", "day3")
- train: train_network(x, y, config, ...)          Keras, deterministic, history + plots
- augment, redraw (+ redraw_batch): the augmented and the redrawn copies training adds (numpy; the redrawn
  ones bit for bit sb3gen.reference.pad)
- pipeline: prepare_data (load -> preprocess -> subsets), train_held_out (all but the held-out images),
  train_or_reuse (train_held_out through network_cache), train_from_data (prepare + train in one call)
- network_cache: trained networks kept by options, data and training code (~/.cache/sb3gen/networks)
- keras_model: build_keras_model, flatten_keras, network_to_keras, to_model_input
- model_file: load_model_file(path)                 .keras / .h5 of Flatten + Dense only
- export: write/read_weight_lines, write/read_weight_csv
- sources: network_from_sources / add_network_arguments   --network / --model / --weights
- predict: load_picture, predict_image
"""
