"""Backend discovery through pluggy and the ``ppladapt`` entry-point group."""
