"""ML side: data, preprocessing, Keras training, weight export. Knows nothing of project.json."""
