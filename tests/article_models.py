"""The target models as the articles and the Keras tutorial write them (for the import and VM tests)."""

from __future__ import annotations

from sb3gen.ml.keras_model import import_keras


def fourth_article_cnn():
    """/work/shared/seeds/004: the TensorFlow Lite tutorial's CNN, logits out."""
    keras = import_keras()
    import tensorflow as tf

    return keras.Sequential([
        keras.layers.InputLayer(input_shape=(28, 28)),
        keras.layers.Reshape(target_shape=(28, 28, 1)),
        keras.layers.Conv2D(filters=32, kernel_size=(3, 3), activation=tf.nn.relu),
        keras.layers.Conv2D(filters=64, kernel_size=(3, 3), activation=tf.nn.relu),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])


def second_article_cnn(data_format: str):
    """/work/shared/seeds/002: conv1 5 filters 4x4, maxpool 'same', activation, conv2 3 3x3, maxpool 'same',
    activation, conv3 3 4x4, activation, flat1, dense1 10, softmax (the article runs it channels_first)."""
    keras = import_keras()
    layers = keras.layers
    shape = (1, 28, 28) if data_format == "channels_first" else (28, 28, 1)
    return keras.Sequential([
        keras.Input(shape=shape),
        layers.Conv2D(5, (4, 4), data_format=data_format, name="conv1"),
        layers.MaxPooling2D((2, 2), padding="same", data_format=data_format, name="maxpool1"),
        layers.Activation("relu"),
        layers.Conv2D(3, (3, 3), data_format=data_format, name="conv2"),
        layers.MaxPooling2D((2, 2), padding="same", data_format=data_format, name="maxpool2"),
        layers.Activation("relu"),
        layers.Conv2D(3, (4, 4), data_format=data_format, name="conv3"),
        layers.Activation("relu"),
        layers.Flatten(name="flat1"),
        layers.Dense(10, name="dense1"),
        layers.Activation("softmax"),
    ])


def tutorial_mlp():
    """The first model of the Keras/TensorFlow tutorials."""
    keras = import_keras()
    return keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
